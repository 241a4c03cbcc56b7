// A name read from Jira as the viewer (a board's, a sprint's): the fallback until it arrives, and
// if it cannot be read.
import { useEffect, useState } from 'react';

export function AsyncName({ promise, fallback, className }) {
  const [name, setName] = useState(null);
  useEffect(() => {
    let live = true;
    setName(null);
    promise.then((n) => { if (live && n) setName(n); });
    return () => { live = false; };
  }, [promise]);
  return <span className={className}>{name || fallback}</span>;
}
