// asl-validator 4 ships JavaScript only; the part of its API the tests call.
declare module 'asl-validator' {
  interface AslValidation {
    readonly isValid: boolean;
    errorsText(separator?: string): string;
  }
  export default function aslValidator(definition: unknown): AslValidation;
}
