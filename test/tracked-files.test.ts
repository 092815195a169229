import { expect } from 'chai';
import { execFileSync } from 'node:child_process';

// A worktree's `node_modules` is often a symlink to a shared install; `git add -A` would commit
// that link, and checking the commit out where the real install lives replaces the install with
// a link to itself (it happened once). Dependencies and build outputs are never tracked.
describe('repository: what is tracked', () => {
  it('tracks no node_modules, dist or store files', function () {
    let files: string[];
    try {
      files = execFileSync('git', ['ls-files', '--', 'node_modules', 'dist', '*.db'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      // Not a git checkout (an unpacked archive): nothing is tracked.
      this.skip();
    }
    expect(files!).to.deep.equal([]);
  });
});
