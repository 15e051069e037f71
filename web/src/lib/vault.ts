/**
 * Keys kept in the browser: each seed sealed with AES-GCM under a key that PBKDF2-SHA-256 derives
 * from the user's password, stored in localStorage. The public key is associated data, so an entry
 * edited to claim another key does not open.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, own, toHex, utf8 } from './hex.js';

export interface VaultEntry {
  readonly version: 1;
  readonly label: string;
  readonly publicKey: string;
  readonly iterations: number;
  readonly salt: string;
  readonly iv: string;
  readonly sealed: string;
}

export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const STORAGE_KEY = 'gridshard.vault.v1';
const ITERATIONS = 310_000;

async function wrappingKey(password: string, salt: Uint8Array, iterations: number) {
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', own(utf8(password.normalize('NFKC'))), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: own(salt), iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export function listKeys(storage: KeyStorage): VaultEntry[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter((e): e is VaultEntry => typeof e?.publicKey === 'string' && e.version === 1)
      : [];
  } catch {
    return [];
  }
}

export function newSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}

export async function storeKey(
  storage: KeyStorage,
  seed: Uint8Array,
  label: string,
  password: string,
  iterations = ITERATIONS,
): Promise<VaultEntry> {
  if (seed.length !== 32) throw new Error('a key seed is 32 bytes');
  const publicKey = toHex(ed25519.getPublicKey(seed));
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const key = await wrappingKey(password, salt, iterations);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: own(utf8(publicKey)) },
    key,
    own(seed),
  );
  const entry: VaultEntry = {
    version: 1,
    label,
    publicKey,
    iterations,
    salt: toHex(salt),
    iv: toHex(iv),
    sealed: toHex(new Uint8Array(sealed)),
  };
  const others = listKeys(storage).filter((e) => e.publicKey !== publicKey);
  storage.setItem(STORAGE_KEY, JSON.stringify([...others, entry]));
  return entry;
}

/** The seed of an entry, or null when the password is wrong or the entry was altered. */
export async function unlockKey(entry: VaultEntry, password: string): Promise<Uint8Array | null> {
  try {
    const key = await wrappingKey(password, fromHex(entry.salt), entry.iterations);
    const seed = new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: own(fromHex(entry.iv)), additionalData: own(utf8(entry.publicKey)) },
        key,
        own(fromHex(entry.sealed)),
      ),
    );
    return toHex(ed25519.getPublicKey(seed)) === entry.publicKey ? seed : null;
  } catch {
    return null;
  }
}

export function removeKey(storage: KeyStorage, publicKey: string): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(listKeys(storage).filter((e) => e.publicKey !== publicKey)));
}
