import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Card, Input, SelectField, TextField } from '../../../components';
import { navigate } from '../../../app/router';
import { storiesApi, type PictureStyle, type StoryLength } from '../api';
import { useStories } from '../store';
import { PICTURE_STYLE_LABEL } from './labels';
import { MicButton } from './MicButton';

/** The talk with the child: big, readable turns; the child answers by talking (Whisper on this computer) or typing. */
export function ConversationPanel() {
  const { phase, turns, streaming, complete, problem, start, say, makeStory, reset } = useStories();
  const [name, setName] = useState('');
  const [age, setAge] = useState('6');
  const [language, setLanguage] = useState<'ko' | 'en'>('en');
  const [length, setLength] = useState<StoryLength>('short');
  const [style, setStyle] = useState<PictureStyle>('picture_book');
  const [text, setText] = useState('');
  const list = useRef<HTMLOListElement>(null);
  // The parent panel's saved defaults start the choices; without them (offline, an error) the built-in ones stay.
  useEffect(() => {
    storiesApi.settings().then(
      (s) => {
        setStyle(s.picture_style);
        if (s.language) setLanguage(s.language);
      },
      () => {},
    );
  }, []);
  // The newest turn is the one to read: keep it in view as the talk grows.
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [turns.length, streaming]);

  if (phase === 'idle' || phase === 'connecting') {
    const onStart = (e: FormEvent) => {
      e.preventDefault();
      if (name.trim()) start(name.trim(), Number(age) || null, language);
    };
    return (
      <Card title="Talk about a story" description="A grown-up sets up the talk; then the child answers a few questions about the story.">
        <form className="stack" onSubmit={onStart}>
          <TextField label="Child’s name" value={name} onChange={setName} maxLength={50} required />
          <div className="row stories-options">
            <TextField label="Age" type="number" min={2} max={14} value={age} onChange={setAge} />
            <SelectField
              label="Language"
              value={language}
              onChange={(value) => setLanguage(value as 'ko' | 'en')}
              options={{ en: 'English', ko: '한국어' }}
            />
          </div>
          {problem && <Alert tone="error">{problem}</Alert>}
          <Button type="submit" variant="primary" busy={phase === 'connecting'}>
            Start talking
          </Button>
        </form>
      </Card>
    );
  }

  const onSend = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    say(text.trim());
    setText('');
  };
  const onMake = async () => {
    const id = await makeStory(length, style).catch(() => null);
    if (id) navigate(`/stories/${id}`);
  };

  return (
    <Card title="Let’s make a story" data-testid="conversation">
      <ol className="stories-turns" aria-live="polite" ref={list}>
        {turns.map((t, i) => (
          <li key={i} className={`stories-turn stories-turn-${t.who}`} data-testid={`turn-${t.who}`}>
            {t.text}
          </li>
        ))}
        {streaming !== null && <li className="stories-turn stories-turn-partner stories-turn-streaming">{streaming}</li>}
      </ol>
      {problem && <Alert tone="error">{problem}</Alert>}
      <form className="row stories-answer" onSubmit={onSend}>
        <Input
          aria-label="Your answer"
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={10_000}
          placeholder="Type the answer"
          autoFocus
        />
        <Button type="submit" variant="primary" disabled={phase !== 'talking'}>
          Send
        </Button>
      </form>
      <MicButton language={language} disabled={phase !== 'talking'} onText={(heard) => say(heard)} />
      <div className="row stories-make">
        <SelectField
          label="Length"
          value={length}
          onChange={(value) => setLength(value as StoryLength)}
          options={{ short: 'Short (4 chapters)', medium: 'Medium (5 chapters)', long: 'Long (6 chapters)' }}
        />
        <SelectField
          label="Pictures (with an image model)"
          value={style}
          onChange={(value) => setStyle(value as PictureStyle)}
          options={PICTURE_STYLE_LABEL}
        />
        <Button variant={complete ? 'primary' : 'secondary'} onClick={() => void onMake()} busy={phase === 'making'}>
          Make the story
        </Button>
        <Button variant="ghost" onClick={reset}>
          Start over
        </Button>
      </div>
    </Card>
  );
}
