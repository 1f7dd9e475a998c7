// @peculiar/x509 resolves its ASN.1 serializers through tsyringe, which needs the Reflect
// metadata polyfill loaded first. Only the CA commands import this module.
import 'reflect-metadata';

export { AsnConvert } from '@peculiar/asn1-schema';
export * as asn from '@peculiar/asn1-x509';
export * as x509 from '@peculiar/x509';
