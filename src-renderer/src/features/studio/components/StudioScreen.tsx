import { useLocation } from '../../../app/router';
import '../studio.css';
import { SongsPage } from './SongsPage';
import { StudioPage } from './StudioPage';
import { StudiosPage } from './StudiosPage';

/** /compose (studios), /compose/songs (my songs), /compose/<studioId> (one studio). */
export function StudioScreen() {
  const { path } = useLocation();
  const rest = path.slice('/compose'.length).replace(/^\//, '');
  if (rest === 'songs') return <SongsPage />;
  const id = Number(rest);
  if (rest && Number.isInteger(id) && id > 0) return <StudioPage key={id} studioId={id} />;
  return <StudiosPage />;
}

export default StudioScreen;
