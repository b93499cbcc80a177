import { Router } from "express";
import type { Db } from "mongodb";
// lastWriteAt and LAST_WRITE_COOKIE are for TODO(2) and TODO(3).
import { lastWriteAt, LAST_WRITE_COOKIE } from "./freshness.ts";
import type { Profile } from "./seed.ts";
import { describeIssue, parseProfileId, profilePatchSchema } from "./validation.ts";

/** What the API returns for a profile. */
function toView(profile: Profile) {
  return { id: profile._id.toHexString(), name: profile.name, bio: profile.bio, country: profile.country };
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
    // TODO(2): mark this client as having just written, so whichever instance serves its next read
    // knows: the LAST_WRITE_COOKIE cookie (src/freshness.ts). The README lists the attributes the
    // tests read from the Set-Cookie header, and their units.
    res.json(toView(updated));
  });

  router.get("/profiles/:id", async (req, res) => {
    const id = parseProfileId(req.params.id);
    if (!id) {
      res.status(400).json({ error: "profile id must be 24 hex digits" });
      return;
    }
    // TODO(3): most profile reads can tolerate a little lag and should go to a secondary. A client
    // that wrote within the last `windowMs` (lastWriteAt(req)) must read from the primary, or it may
    // see its old value. The marker comes from the client: decide which values you believe.
    const profile = await profiles.findOne({ _id: id });
    if (!profile) {
      res.status(404).json({ error: "no such profile" });
      return;
    }
    res.json(toView(profile));
  });

  return router;
}
