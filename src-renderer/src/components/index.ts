export { Alert } from './Alert';
export { Avatar } from './Avatar';
export { Button, type ButtonProps } from './Button';
export { Card } from './Card';
export { Field, type FieldControlProps } from './Field';
export { Icon, IconFrame, type IconName } from './Icon';
export { Input } from './Input';
export { Spinner } from './Spinner';
export { Toggle } from './Toggle';
