// One Powertools logger per function instance; its level comes from POWERTOOLS_LOG_LEVEL / LOG_LEVEL.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sharebus' });
