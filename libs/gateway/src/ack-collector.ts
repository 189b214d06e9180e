import { Inject, Injectable } from '@nestjs/common';
import { AckRecorder, type StreamAck } from '@threatline/streams';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway-options';
import { KeyedBatcher } from './keyed-batcher';

/**
 * Agents' acks, kept in memory (the latest per firewall and stream) and recorded in batches: a
 * thousand agents acking a delta cost one statement, not a thousand. Flushed on shutdown too.
 */
@Injectable()
export class AckCollector {
  private readonly batcher: KeyedBatcher<StreamAck>;

  constructor(recorder: AckRecorder, @Inject(GATEWAY_OPTIONS) options: GatewayOptions) {
    this.batcher = new KeyedBatcher<StreamAck>({
      name: AckCollector.name,
      intervalMs: options.ackFlushIntervalMs,
      maxKeys: options.ackFlushSize,
      merge: (waiting, newer) =>
        newer.epoch > waiting.epoch || (newer.epoch === waiting.epoch && newer.seq > waiting.seq)
          ? newer
          : waiting,
      write: (batch) => recorder.record([...batch.values()]),
    });
  }

  add(ack: StreamAck): void {
    this.batcher.add(`${ack.firewallId} ${ack.streamId}`, ack);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  close(): Promise<void> {
    return this.batcher.close();
  }
}
