/** Defaults shared by the directory and every local caller of it (gateway, CLI, npm start). */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/wizer-directory.db';
export const DEFAULT_DIRECTORY_ADDRESS = '127.0.0.1:50051';
