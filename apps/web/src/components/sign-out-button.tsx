"use client";

import { signOut } from "next-auth/react";

export function SignOutButton() {
  async function onClick() {
    // next-auth would send the browser to the absolute URL the server derives, which can name
    // another host (localhost for 127.0.0.1); a relative path keeps the address in use.
    await signOut({ redirect: false });
    window.location.assign("/sign-in");
  }

  return (
    <button type="button" onClick={() => void onClick()}>
      Sign out
    </button>
  );
}
