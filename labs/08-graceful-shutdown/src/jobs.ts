import type { Job } from "bullmq";
import type { Db } from "mongodb";

/** A background job: build a report that takes `ms` milliseconds, then store it. */
export interface ReportJob {
  ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function processReport(job: Job<ReportJob>, db: Db): Promise<{ stored: true }> {
  console.log(`job ${job.id} started (${job.data.ms} ms)`);
  await sleep(job.data.ms);
  // The write at the end needs MongoDB: a shutdown that closes Mongo before the worker fails the job.
  await db.collection("reports").insertOne({ jobId: job.id, ms: job.data.ms, finishedAt: new Date() });
  console.log(`job ${job.id} finished`);
  return { stored: true };
}
