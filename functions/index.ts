/**
 * The Functions app's entry point (package.json `main`, compiled to dist/functions/index.js): importing a trigger
 * module registers it with `app.*`. The same file is loaded by the Azure Functions Node worker in Azure and by the
 * local host (`npm start`). Each flow adds its triggers and orchestrations here as it lands.
 */
export {};
