/** Links between the UI's pages (hash routes, so the server serves one page). */
export const endpointLink = (appId: string, endpointId: string) => `#/app/${encodeURIComponent(appId)}/endpoint/${encodeURIComponent(endpointId)}`;
