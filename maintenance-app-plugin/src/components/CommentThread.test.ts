import { mentionAt, mentionsIn } from './CommentThread';

test('mentions are @login tokens, e-mail logins included, not e-mail addresses in text', () => {
  expect(mentionsIn('@bob and @carla.ops, see also @jane@example.com.')).toEqual([
    'bob',
    'carla.ops',
    'jane@example.com',
  ]);
  expect(mentionsIn('mail me at bob@example.com')).toEqual([]);
  expect(mentionsIn('@bob @bob')).toEqual(['bob']);
});

test('the @partial at the cursor drives the suggestions', () => {
  expect(mentionAt('hello @ca', 9)).toEqual({ start: 6, query: 'ca' });
  expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
  expect(mentionAt('hello @ca there', 15)).toBeUndefined();
  expect(mentionAt('bob@ex', 6)).toBeUndefined();
});
