import { type Rng, Weighted } from './prng.ts';

// Sweden's population by 5-year age band, 31 Dec 2023, in thousands, rounded from SCB's
// population statistics (about 10.55 million in total). Used as sampling weights only.
// biome-ignore format: [band start age, thousands]
const AGE_BANDS: ReadonlyArray<readonly [number, number]> = [
  [0, 545], [5, 610], [10, 640], [15, 615], [20, 590], [25, 680], [30, 730], [35, 700], [40, 650], [45, 660],
  [50, 690], [55, 660], [60, 600], [65, 560], [70, 550], [75, 500], [80, 320], [85, 170], [90, 80], [95, 25],
];

const bands = new Weighted(AGE_BANDS.map(([start, weight]) => [start, weight] as const));

export function pickAgeBand(rng: Rng): number {
  return bands.pick(rng);
}

/**
 * Annual probability of death at an age: a Gompertz curve fitted by eye to Swedish life
 * tables (about 0.3 % at 50, 4–5 % at 80, 12 % at 90). Approximate by design.
 */
export function annualMortality(age: number): number {
  return Math.min(0.5, 0.000025 * Math.exp(0.094 * age));
}
