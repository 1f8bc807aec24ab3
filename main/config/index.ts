export { configSchema, DEFAULT_REFERENCE_PATTERN, knownModules, secretKeys, type BoothConfig, type BoothConfigInput, type ModuleName } from './schema';
export { loadConfig, parseConfigText, resolveConfigPath, maskSecrets, describeIssues, type ConfigLoad } from './load';
export { hashPin, verifyPin, pinRule, PIN_RULE_TEXT } from './pin';
