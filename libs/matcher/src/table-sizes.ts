import { AddressIndex, blocksOfPrefix } from './address-index';
import { DomainIndex } from './domain-index';
import { recordWords } from './string-table';
import type { IocType } from './types';
import { UrlIndex } from './url-index';

/**
 * What a build will put in each indicator table, counted from the entries' types and values before any is added,
 * so the tables are allocated once at their final size (a build never grows and rehashes them). Every build path
 * sizes through this, so two builds of the same entries lay their tables out alike.
 */
export class IocTableSizes {
  private addresses = 0;
  private networks = 0;
  private blocks = 0;
  private domains = 0;
  private urls = 0;
  private domainWords = 0;
  private urlWords = 0;

  count(type: IocType, value: string): void {
    switch (type) {
      case 'ipv4':
        this.addresses++;
        break;
      case 'cidr':
        this.networks++;
        this.blocks += blocksOfPrefix(prefixDigits(value));
        break;
      case 'domain':
        this.domains++;
        this.domainWords += recordWords(value.length);
        break;
      case 'url':
        this.urls++;
        this.urlWords += recordWords(value.length);
        break;
    }
  }

  addressIndex(): AddressIndex {
    return AddressIndex.forCounts(this.addresses, this.networks, this.blocks);
  }

  domainIndex(): DomainIndex {
    return DomainIndex.forCount(this.domains, this.domainWords);
  }

  urlIndex(): UrlIndex {
    return UrlIndex.forCount(this.urls, this.urlWords);
  }
}

/** The prefix length a network value ends with ("/24"), for sizing only (the value is checked when added): 24
 *  when it ends otherwise (or is not a string). */
function prefixDigits(value: string): number {
  if (typeof value !== 'string') return 24;
  const length = value.length;
  const last = value.charCodeAt(length - 1) - 0x30;
  const tens = value.charCodeAt(length - 2) - 0x30;
  if (last < 0 || last > 9) return 24;
  return tens >= 0 && tens <= 9 ? tens * 10 + last : last;
}
