import type { Db } from "mongodb";
import { ObjectId } from "mongodb";

/** One user profile, as stored. `signupDay` is kept as YYYY-MM-DD so the report can group on it. */
export interface Profile {
  _id: ObjectId;
  name: string;
  bio: string;
  country: string;
  signupDay: string;
}

const countries = ["BR", "DE", "FR", "IN", "JP", "NG", "US", "VN"] as const;
const firstDay = Date.UTC(2026, 8, 1); // 2026-09-01
const dayMs = 86_400_000;

/** Deterministic sample profiles: the same count always gives the same countries and days. */
export function sampleProfiles(count: number): Profile[] {
  const profiles: Profile[] = [];
  for (let i = 0; i < count; i++) {
    const country = countries[(i * 7 + Math.floor(i / 13)) % countries.length]!;
    const day = new Date(firstDay + ((i * 31) % 60) * dayMs).toISOString().slice(0, 10);
    profiles.push({ _id: new ObjectId(), name: `User ${i}`, bio: "", country, signupDay: day });
  }
  return profiles;
}

/** Insert sample profiles into `profiles` unless the collection already has some. Returns what is there. */
export async function seedProfiles(db: Db, count = 3000): Promise<Profile[]> {
  const collection = db.collection<Profile>("profiles");
  const existing = await collection.find({}).toArray();
  if (existing.length > 0) return existing;
  const profiles = sampleProfiles(count);
  for (let i = 0; i < profiles.length; i += 1000) {
    await collection.insertMany(profiles.slice(i, i + 1000));
  }
  return profiles;
}
