import { Card } from '../components/Card/Card.tsx';
import { Link } from '../components/Link/Link.tsx';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <Card title="Nothing here">
      <p>
        There is no page at <code>{path}</code>. Try <Link href="/submit">submitting an email</Link>{' '}
        or <Link href="/jobs">searching the jobs</Link>.
      </p>
    </Card>
  );
}
