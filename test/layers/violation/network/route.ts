export function nextHop(): string {
  return "10.0.0.1";
}
