import { Router } from "express";
import type { Db } from "mongodb";
import type { Profile } from "./seed.ts";
import { describeIssue, signupsQuerySchema } from "./validation.ts";

export interface SignupRow {
  country: string;
  day: string;
  signups: number;
}

/**
 * GET /analytics/signups?from=YYYY-MM-DD&to=YYYY-MM-DD — signups per country per day.
 * It scans and groups every profile in the range: the kind of heavy, read-only query that
 * competes with user traffic for the primary's CPU and memory.
 */
export function analyticsRoutes(db: Db): Router {
  const profiles = db.collection<Profile>("profiles");
  const router = Router();

  router.get("/analytics/signups", async (req, res) => {
    const query = signupsQuerySchema.safeParse(req.query);
    if (!query.success) {
      res.status(400).json({ error: describeIssue(query.error) });
      return;
    }
    const { from, to } = query.data;
    const pipeline = [
      { $match: { signupDay: { $gte: from, $lte: to } } },
      { $group: { _id: { country: "$country", day: "$signupDay" }, signups: { $sum: 1 } } },
      { $sort: { "_id.day": 1, "_id.country": 1 } },
    ];
    // TODO(1): this report may be a moment out of date, so it should not load the primary while a
    // secondary is up, and it must still answer when none is. The README says what the tests check.
    const groups = await profiles.aggregate<{ _id: { country: string; day: string }; signups: number }>(pipeline).toArray();
    const rows: SignupRow[] = groups.map((g) => ({ country: g._id.country, day: g._id.day, signups: g.signups }));
    res.json({ from, to, rows });
  });

  return router;
}
