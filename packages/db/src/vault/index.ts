export * from "./api-keys";
export { DecryptionError, decryptSecret, encryptSecret, keyIdOf } from "./cipher";
export * from "./keyring";
