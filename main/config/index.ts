export { configSchema, knownModules, isSecretKey, isLoopbackHost, isSecureCloudUrl, type BoothConfig, type BoothConfigInput, type ModuleName } from './schema';
export { loadConfig, parseConfigText, resolveConfigPath, maskSecrets, describeIssues, issueLine, issueView, type ConfigIssue, type ConfigLoad } from './load';
export { hashPin, verifyPin, pinRule, PIN_RULE_TEXT } from './pin';
export { allowedInsecureOrigins, cloudUrlsInUse, insecureCloudUrls, type CloudUrlInUse } from './cloud-urls';
