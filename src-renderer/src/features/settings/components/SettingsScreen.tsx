import { useEffect } from 'react';
import { PageHeader } from '../../shell/components/PageHeader';
import { useSettings } from '../store';
import { AboutCard } from './AboutCard';
import { DiagnosticsCard, FfmpegCard, LibraryCard, RetentionCard, StorageCard } from './DataFolderCards';
import { LanSharingCard } from './LanSharingCard';
import { SharedQueueCard } from './SharedQueueCard';
import { SignInCard } from './SignInCard';

export function SettingsScreen() {
  const load = useSettings((s) => s.load);
  useEffect(() => void load(), [load]);
  return (
    <>
      <PageHeader title="Settings" description="How this Atelier is shared, and where it keeps its data." />
      <div className="stack">
        <LanSharingCard />
        <SharedQueueCard />
        <StorageCard />
        <LibraryCard />
        <RetentionCard />
        <FfmpegCard />
        <DiagnosticsCard />
        <SignInCard />
        <AboutCard />
      </div>
    </>
  );
}
