import { ApiModule, bootstrap, exitOnBootFailure } from '@threatline/http';

bootstrap(ApiModule, { name: 'api' }).catch(exitOnBootFailure);
