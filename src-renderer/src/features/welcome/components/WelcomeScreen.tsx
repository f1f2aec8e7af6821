import { SignUpForm } from '../../auth/components/SignUpForm';
import { FIRST_RUN_PATH } from '../api';

/** A fresh install's first screen: create the local account that owns this studio. */
export function WelcomeScreen() {
  return (
    <SignUpForm
      next={FIRST_RUN_PATH}
      firstRun
      title="Welcome to Atelier"
      subtitle="Start by creating the account that owns this studio. It lives on this computer only; next, Atelier checks your machine and suggests models to install."
    />
  );
}
