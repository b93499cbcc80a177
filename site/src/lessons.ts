/**
 * The lessons of the course, in reading order.
 * The sidebar, the flashcard schema and the lesson filter all read this one list.
 */
export const lessons = [
  { slug: "what-scalable-means", title: "What “scalable” means" },
  { slug: "statelessness", title: "Statelessness" },
  { slug: "uploads", title: "Uploads off the instance" },
  { slug: "load-balancing", title: "Load balancing" },
  { slug: "websockets", title: "WebSockets across instances" },
  { slug: "rate-limiting", title: "Rate limiting at the gateway" },
  { slug: "caching-layers", title: "Caching layers" },
  { slug: "http-caching", title: "HTTP caching and CDNs" },
  { slug: "cache-aside", title: "Cache-aside and invalidation" },
  { slug: "queues", title: "Queues and background jobs" },
  { slug: "read-replicas", title: "Read replicas and replication lag" },
  { slug: "sharding", title: "Sharding MongoDB" },
  { slug: "redis-cluster", title: "Redis Cluster" },
  { slug: "pagination", title: "Pagination and filtering at scale" },
  { slug: "connection-pooling", title: "Connection pooling" },
  { slug: "postgres-connections", title: "PostgreSQL connections" },
  { slug: "observability", title: "Observability" },
  { slug: "distributed-tracing", title: "Distributed tracing" },
  { slug: "graceful-shutdown", title: "Graceful shutdown" },
  { slug: "cpu-bound-work", title: "CPU-bound work" },
  { slug: "scaling-patterns", title: "Scaling patterns" },
  { slug: "interview-prep", title: "Interview preparation" },
] as const;

export type LessonSlug = (typeof lessons)[number]["slug"];

export const lessonSlugs = lessons.map((lesson) => lesson.slug) as [LessonSlug, ...LessonSlug[]];

export const lessonTitle = (slug: string): string => lessons.find((lesson) => lesson.slug === slug)?.title ?? slug;

export const lessonHref = (slug: string): string => `/lessons/${slug}/`;
