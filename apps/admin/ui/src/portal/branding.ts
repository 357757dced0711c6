// The portal's primary colour and logo: from Herald's settings, or the link's query (?primaryColor=&logo=),
// the query winning. A logo must not make the page ask any other host for anything: only a data: image or a
// path on this origin passes (and the content security policy allows no other image source anyway).
const COLOR = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const LOGO = /^(data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}|\/(?!\/)[A-Za-z0-9._~/-]*)$/;

export function branding(settings: { primaryColor: string | null; logoUrl: string | null }): { logo?: string } {
  const query = new URLSearchParams(location.search);
  const color = [query.get('primaryColor'), settings.primaryColor].find((value) => value && COLOR.test(value));
  const logo = [query.get('logo'), settings.logoUrl].find((value) => value && LOGO.test(value));
  if (color) document.documentElement.style.setProperty('--accent', color);
  return { logo: logo ?? undefined };
}
