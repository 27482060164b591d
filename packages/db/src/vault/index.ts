export * from "./api-keys";
export {
  checkDecryptable,
  DecryptionError,
  decryptSecret,
  encryptSecret,
  keyIdOf,
  type SecretBinding,
} from "./cipher";
export { sanitizedDatabaseError, VaultDatabaseError } from "./database-errors";
export * from "./keyring";
export * from "./rotate";
