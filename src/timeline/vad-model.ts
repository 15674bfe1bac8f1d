/**
 * Where the voice-activity model comes from: the Silero VAD v5 graph inside the `@ricky0123/vad-web` package. The
 * page serves it from its own origin (a build asset); the CLI reads it from node_modules. One name for both.
 */

/** The npm package that ships the model. */
export const VAD_PACKAGE = '@ricky0123/vad-web';
/** The model file inside the package. */
export const VAD_MODEL_PATH = 'dist/silero_vad_v5.onnx';
