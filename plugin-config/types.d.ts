/** AMD's special `module` dependency as SystemJS's AMD extra passes it (`uri` = URL module.js was loaded from). */
declare module 'amd-module' {
  const meta: { uri?: string } | undefined;
  export default meta;
}
