import { verifyPassword } from "@onboarding/api/password";
import { emailSchema } from "@onboarding/api/steps";
import { findUserCredentials } from "@onboarding/db/repositories";
import NextAuth, { type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getServices } from "./server/services";

declare module "next-auth" {
  interface Session {
    user: { id: string } & DefaultSession["user"];
  }
}

const credentialsSchema = z.object({ email: emailSchema, password: z.string().min(1).max(200) });

export const { handlers, auth, signOut } = NextAuth({
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
  pages: { signIn: "/sign-in" },
  // The app is served behind whatever host the operator chooses; AUTH_URL pins it when needed.
  trustHost: true,
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(raw) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;

        const { db } = await getServices();
        const user = await findUserCredentials(db, { email: parsed.data.email });
        const matches = await verifyPassword(user?.passwordHash ?? null, parsed.data.password);
        if (!user || !matches) return null;
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
});
