/**
 * Safe Browsing path canonicalization on an unescaped path: "/./" goes, "/../" removes the segment before it,
 * runs of slashes collapse to one. A trailing "." or ".." segment resolves like a browser does ("/a/b/.." is
 * "/a/"), which is what the published vector "http://www.google.com/blah/.." -> "http://www.google.com/" needs.
 * The result always starts with "/".
 */
export function resolvePath(path: string): string {
  if (path.length === 0) return '/';
  if (!path.includes('//') && !path.includes('/.')) return path;
  const segments = path.split('/');
  const kept: string[] = [];
  let trailingSlash = false;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const isLast = i === segments.length - 1;
    if (segment === '' || segment === '.') {
      trailingSlash = isLast;
    } else if (segment === '..') {
      kept.pop();
      trailingSlash = isLast;
    } else {
      kept.push(segment);
      trailingSlash = false;
    }
  }
  if (kept.length === 0) return '/';
  return '/' + kept.join('/') + (trailingSlash ? '/' : '');
}
