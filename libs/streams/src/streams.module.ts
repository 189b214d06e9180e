import { Global, Module } from '@nestjs/common';
import { AckRecorder } from './ack-recorder';
import { StreamCompactionScheduler } from './stream-compaction.scheduler';
import { StreamMaintenance } from './stream-maintenance';
import { StreamReader } from './stream-reader';
import { StreamWriter } from './stream-writer';

/**
 * The delta streams: writing (inside domain transactions), reading (for gateways), acks and maintenance. Global, as
 * every domain module that changes agent-visible state writes through it. Needs DbModule, MessagingModule and
 * ConfigModule.
 */
@Global()
@Module({
  providers: [StreamWriter, StreamReader, AckRecorder, StreamMaintenance],
  exports: [StreamWriter, StreamReader, AckRecorder, StreamMaintenance],
})
export class StreamsModule {}

/** Runs the repeatable compaction job in this process (import it in the worker, or in the standalone process). */
@Module({ providers: [StreamCompactionScheduler] })
export class StreamCompactionModule {}
