/** Status-bit events (issue 4): bit definitions from the maps, transition logic, the recorder. */
export * from './bits';
export * from './transitions';
export * from './recorder';
