// Time zones for forms. A new schedule starts in the browser's own zone (what the person
// means by "06:00"), not UTC; UTC only when the browser cannot tell. Pure; unit-tested in
// web/test/timezone.test.mjs.

// The browser's IANA zone ("Europe/Stockholm"); `resolve` is for tests.
export function browserTimeZone(
  resolve: () => string | undefined = () => Intl.DateTimeFormat().resolvedOptions().timeZone,
): string {
  try {
    const zone = resolve();
    return typeof zone === 'string' && zone.trim() !== '' ? zone : 'UTC';
  } catch {
    return 'UTC';
  }
}

// The zone a schedule form starts with: the job's own when editing, else the browser's.
export function initialScheduleZone(
  jobZone: string | null | undefined,
  resolve?: () => string | undefined,
): string {
  return jobZone && jobZone.trim() !== '' ? jobZone : browserTimeZone(resolve);
}

// Every zone the browser knows, for the form's suggestions; the Nordic ones when it cannot list.
export function zoneList(
  list: () => string[] = () => Intl.supportedValuesOf('timeZone'),
): string[] {
  try {
    return list();
  } catch {
    return ['UTC', 'Europe/Stockholm', 'Europe/Oslo', 'Europe/Copenhagen', 'Europe/Helsinki'];
  }
}
