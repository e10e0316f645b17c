/** KPI maths (pure). */
export * from './availability';
