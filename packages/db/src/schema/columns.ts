import { timestamp } from "drizzle-orm/pg-core";

/** A `timestamptz` column read as a JavaScript Date, so instants survive any process time zone. */
export const timestamptz = () => timestamp({ withTimezone: true, mode: "date" });
