import type { ReactNode, Ref } from 'react';

/** A -60…0 dB level meter; its owner moves the fill each frame through `ref`, never through React state. */
export function LevelMeter({
  ref,
  className,
  label,
  testId,
  children,
}: {
  ref: Ref<HTMLDivElement>;
  className: string;
  label: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <div
      className={className}
      ref={ref}
      role="meter"
      aria-label={label}
      aria-valuemin={-60}
      aria-valuemax={0}
      aria-valuenow={-60}
      data-testid={testId}
    >
      {children}
    </div>
  );
}
