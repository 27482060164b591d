import { eq } from "drizzle-orm";
import type { Executor } from "../client";
import { EmailTakenError, sqlStateOf } from "../errors";
import { users } from "../schema";

const UNIQUE_VIOLATION = "23505";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Creates an account; raises EmailTakenError when the address is already registered. */
export async function createUser(
  executor: Executor,
  params: { email: string; passwordHash: string; name?: string | null },
): Promise<{ id: string; email: string; name: string | null }> {
  try {
    const [user] = await executor
      .insert(users)
      .values({
        email: normalizeEmail(params.email),
        passwordHash: params.passwordHash,
        name: params.name ?? null,
      })
      .returning({ id: users.id, email: users.email, name: users.name });
    if (!user) throw new Error("Inserting the user returned no row.");
    return user;
  } catch (error) {
    if (sqlStateOf(error) === UNIQUE_VIOLATION) throw new EmailTakenError();
    throw error;
  }
}

/** Returns what sign-in needs to check a password, or undefined for an unknown email. */
export async function findUserCredentials(
  executor: Executor,
  params: { email: string },
): Promise<
  { id: string; email: string; name: string | null; passwordHash: string | null } | undefined
> {
  const [user] = await executor
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      passwordHash: users.passwordHash,
    })
    .from(users)
    .where(eq(users.email, normalizeEmail(params.email)));
  return user;
}

/** Deletes the account; every user-owned row goes with it through ON DELETE CASCADE. */
export async function removeUser(executor: Executor, params: { userId: string }): Promise<boolean> {
  const removed = await executor
    .delete(users)
    .where(eq(users.id, params.userId))
    .returning({ id: users.id });
  return removed.length > 0;
}
