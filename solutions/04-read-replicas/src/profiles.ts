import { Router } from "express";
import { ReadPreference, type Db } from "mongodb";
import { lastWriteAt, LAST_WRITE_COOKIE } from "./freshness.ts";
import type { Profile } from "./seed.ts";
import { describeIssue, parseProfileId, profilePatchSchema } from "./validation.ts";

/** What the API returns for a profile. */
function toView(profile: Profile) {
  return { id: profile._id.toHexString(), name: profile.name, bio: profile.bio, country: profile.country };
}

/**
 * How far in the future a marker may be dated: the instance that wrote it may run a little ahead
 * of this one. One second covers the clock skew of NTP-synced hosts.
 */
const maxClockSkewMs = 1000;

/**
 * The cookie comes back from the client, so it is an input like any other. Only the age check
 * bounds it: without the upper limit, a client that sets the marker far in the future (or keeps
 * replaying one) pins all its reads to the primary forever. A forged marker dated "now" buys at
 * most one window of primary reads, no more than a real write gives, so bounding is enough and
 * the value need not be signed.
 */
function isWithinWindow(writtenAt: number, now: number, windowMs: number): boolean {
  const age = now - writtenAt;
  return age >= -maxClockSkewMs && age < windowMs;
}

/**
 * PATCH /profiles/:id updates a profile; GET /profiles/:id reads one.
 * `windowMs` is how long after a write the writer's own reads must stay on the primary.
 */
export function profileRoutes(db: Db, windowMs: number): Router {
  const profiles = db.collection<Profile>("profiles");
  const router = Router();

  router.patch("/profiles/:id", async (req, res) => {
    const id = parseProfileId(req.params.id);
    if (!id) {
      res.status(400).json({ error: "profile id must be 24 hex digits" });
      return;
    }
    const patch = profilePatchSchema.safeParse(req.body);
    if (!patch.success) {
      res.status(400).json({ error: describeIssue(patch.error) });
      return;
    }
    // Writes always go to the primary: only the primary accepts them.
    const updated = await profiles.findOneAndUpdate({ _id: id }, { $set: patch.data }, { returnDocument: "after" });
    if (!updated) {
      res.status(404).json({ error: "no such profile" });
      return;
    }
    // Read-your-writes marker: the write time travels with the client, so whichever instance
    // serves its next read knows to use the primary. Max-Age lets the browser drop it once it
    // no longer matters; the GET handler still checks the time itself.
    res.cookie(LAST_WRITE_COOKIE, String(Date.now()), { maxAge: windowMs, httpOnly: true, sameSite: "lax", path: "/" });
    res.json(toView(updated));
  });

  router.get("/profiles/:id", async (req, res) => {
    const id = parseProfileId(req.params.id);
    if (!id) {
      res.status(400).json({ error: "profile id must be 24 hex digits" });
      return;
    }
    // Someone else's profile may be a moment behind: read it from a secondary. But a client that
    // wrote within the window might hit a secondary that has not applied its write yet, so it
    // reads from the primary. The window is far longer than the lag we expect.
    const writtenAt = lastWriteAt(req);
    const wroteRecently = writtenAt !== undefined && isWithinWindow(writtenAt, Date.now(), windowMs);
    const readPreference = wroteRecently ? ReadPreference.PRIMARY : ReadPreference.SECONDARY_PREFERRED;
    const profile = await profiles.findOne({ _id: id }, { readPreference });
    if (!profile) {
      res.status(404).json({ error: "no such profile" });
      return;
    }
    res.json(toView(profile));
  });

  return router;
}
