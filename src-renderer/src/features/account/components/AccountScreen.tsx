import { useEffect } from 'react';
import { PageHeader } from '../../shell/components/PageHeader';
import { useAuth } from '../../auth/store';
import { DeleteAccountCard } from './DeleteAccountCard';
import { PasswordCard } from './PasswordCard';
import { ProfileForm } from './ProfileForm';
import { useAccount } from '../store';

export function AccountScreen() {
  const user = useAuth((s) => s.user);
  const reset = useAccount((s) => s.reset);
  // Outcomes of an earlier visit ("Profile saved") do not belong to this one.
  useEffect(() => reset(), [reset]);
  if (!user) return null;
  // Remount the form when the saved profile changes, so it starts from what the server holds.
  const savedKey = [user.name, user.age, user.phone_number, user.avatar_url].join('\u0000');
  return (
    <>
      <PageHeader title="Account" description="Your profile as every part of Atelier shows it." />
      <div className="stack">
        <ProfileForm key={savedKey} user={user} />
        <PasswordCard />
        <DeleteAccountCard />
      </div>
    </>
  );
}
