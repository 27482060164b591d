"use client";

import { signOut } from "next-auth/react";

export function SignOutButton() {
  async function onClick() {
    // next-auth would send the browser to an absolute URL that the server builds from its
    // settings and headers. A relative path keeps the address the user opened.
    await signOut({ redirect: false });
    window.location.assign("/sign-in");
  }

  return (
    <button type="button" onClick={() => void onClick()}>
      Sign out
    </button>
  );
}
