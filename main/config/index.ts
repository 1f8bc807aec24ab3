export { configSchema, DEFAULT_REFERENCE_PATTERN, knownModules, isSecretKey, isLoopbackHost, isSecureCloudUrl, type BoothConfig, type BoothConfigInput, type ModuleName } from './schema';
export { loadConfig, parseConfigText, resolveConfigPath, maskSecrets, describeIssues, issueLine, issueView, type ConfigIssue, type ConfigLoad } from './load';
export { DEFAULT_SCRYPT, hashPin, hashParams, needsRehash, verifyPin, pinRule, PIN_RULE_TEXT, type ScryptParams } from './pin';
export { allowedInsecureOrigins, cloudUrlsInUse, insecureCloudUrls, type CloudUrlInUse } from './cloud-urls';
export { rewriteFileKeepingAccess, writeFileAtomically, type FileOwner } from './write';
export { setJsonString, setJsonValue, type JsonValue } from './edit';
