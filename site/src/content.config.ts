import { defineCollection } from "astro:content";
import { docsLoader } from "@astrojs/starlight/loaders";
import { docsSchema } from "@astrojs/starlight/schema";
import { cardSchema } from "./flashcards/schema.ts";
import { deckLoader } from "./flashcards/loader.ts";
import { labSchema } from "./labs/schema.ts";
import { labsLoader } from "./labs/loader.ts";
import { experimentSchema, experimentsLoader } from "./experiments/loader.ts";

export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema() }),
  /** One entry per card, from site/src/content/flashcards/*.yaml; answers rendered to HTML at build time. */
  flashcards: defineCollection({ loader: deckLoader(new URL("./content/flashcards/", import.meta.url)), schema: cardSchema }),
  /** One entry per lab, read through kit/labs.ts; README rendered and files highlighted at build time. */
  labs: defineCollection({ loader: labsLoader(), schema: labSchema }),
  /** One entry per experiments/*.mjs, with the output the build recorded by running it under Node. */
  experiments: defineCollection({ loader: experimentsLoader(), schema: experimentSchema }),
};
