export * from "./config/schema.ts"
export * from "./event/envelope.ts"
export * from "./event/types.ts"
