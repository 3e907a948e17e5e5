/**
 * The X.509 library, set up once: @peculiar/x509 on Node's WebCrypto.
 *
 * Contract: every module that uses @peculiar/x509 imports it from here, never directly. The
 * library resolves its parts through tsyringe, which needs the Reflect metadata polyfill loaded
 * before the library itself; ES modules evaluate their imports in order, so importing the
 * polyfill first in this one file is enough. The crypto provider is set before anything uses it.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };

/** ECDSA on P-256 with SHA-256: the one algorithm Sinew signs and asks for. */
export const ecdsaP256: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
