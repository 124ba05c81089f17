import { describe, expect, it } from 'vitest';
import { parseQueueView, queueFilter, queueSearch } from './queue-params';

describe('queue view in the URL', () => {
  it('defaults to open incidents, most severe first, with nothing in the URL', () => {
    const view = parseQueueView(new URLSearchParams(''));
    expect(view).toMatchObject({ status: ['OPEN'], stages: [], sort: 'SEVERITY_DESC', after: null, page: 1 });
    expect(queueSearch(view).toString()).toBe('');
    expect(queueFilter(view)).toEqual({ status: ['OPEN'] });
  });

  it('round-trips filters, sort and page', () => {
    const search = new URLSearchParams(
      'status=OPEN,RESOLVED&stage=data,signals&verdict=DECEPTIVE&sev=4.5&detector=mmd&subject=model:gpt-x&sort=CREATED_AT_DESC&after=abc&p=3',
    );
    const view = parseQueueView(search);
    expect(view).toEqual({
      status: ['OPEN', 'RESOLVED'],
      stages: ['DATA', 'SIGNALS'],
      verdict: ['DECEPTIVE'],
      severityMin: 4.5,
      detector: 'mmd',
      subject: { kind: 'MODEL', id: 'gpt-x' },
      sort: 'CREATED_AT_DESC',
      after: 'abc',
      page: 3,
    });
    expect(parseQueueView(queueSearch(view))).toEqual(view);
    expect(queueFilter(view)).toEqual({
      status: ['OPEN', 'RESOLVED'],
      stages: ['DATA', 'SIGNALS'],
      verdict: ['DECEPTIVE'],
      severityMin: 4.5,
      detector: 'mmd',
      subject: { kind: 'MODEL', id: 'gpt-x' },
    });
  });

  it('drops values it does not know rather than sending them to the API', () => {
    const view = parseQueueView(
      new URLSearchParams('stage=data,bogus&sort=DROP&sev=x&subject=planet:9&p=-2'),
    );
    expect(view.stages).toEqual(['DATA']);
    expect(view.sort).toBe('SEVERITY_DESC');
    expect(view.severityMin).toBeNull();
    expect(view.subject).toBeNull();
    expect(view.page).toBe(1);
  });

  it('an empty status list means every status', () => {
    const view = parseQueueView(new URLSearchParams('status='));
    expect(view.status).toEqual([]);
    expect(queueFilter(view)).toEqual({});
    expect(queueSearch(view).get('status')).toBe('');
  });
});
