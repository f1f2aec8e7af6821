import { errors } from '../errors';

export class HelloService {
  greet(name: string): string {
    if (name === 'nobody') throw errors.error('NOTE_NOT_FOUND');
    return `hello ${name}`;
  }
}
