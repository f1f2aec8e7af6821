import { useLocation } from '../../../app/router';
import { PageHeader } from '../../shell/components/PageHeader';
import '../stories.css';
import { ConversationPanel } from './ConversationPanel';
import { Library } from './Library';
import { ParentPanel } from './ParentPanel';
import { StoryReader } from './StoryReader';

/** /stories: talk with the child and make a story, the library; /stories/<id>: the reader. */
export function StoriesScreen() {
  const { path } = useLocation();
  const id = /^\/stories\/([^/]+)$/.exec(path)?.[1];
  return (
    <div className="stack stories-area">
      <PageHeader
        title="Stories"
        description="Talk with a child about a story, and Atelier writes it on this computer, chapter by chapter."
      />
      {id ? (
        <StoryReader key={id} id={decodeURIComponent(id)} />
      ) : (
        <div className="stories-home">
          <ConversationPanel />
          <div className="stack">
            <Library />
            <ParentPanel />
          </div>
        </div>
      )}
    </div>
  );
}

export default StoriesScreen;
