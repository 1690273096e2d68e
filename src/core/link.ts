import { base32 } from 'multiformats/bases/base32'
import { InvalidArgumentError } from '../errors.js'
import { DEFAULT_GATEWAY } from './defaults.js'
import type { CID } from 'multiformats/cid'

export { DEFAULT_GATEWAY }

/** What a link template can use. */
export interface LinkFields {
  cid: CID
  /** The article's file name inside the bundle (`article.txt`). */
  file: string
  slug: string
}

/** How a link names the CID: in the host (`<cid>.ipfs.<host>`, origin isolation) or in the path (`<gateway>/ipfs/<cid>`). */
export type GatewayStyle = 'subdomain' | 'path'

/**
 * Builds an article's Download IPFS link. With no template: a subdomain link
 * `https://<cidv1>.ipfs.<host>/<file>?filename=<slug>.txt&download=true` for a
 * gateway host name, or a path link `<gateway>/ipfs/<cid>/<file>?…` when the
 * gateway is an IP address (which cannot carry subdomains), when its URL has a
 * path (`https://ipfs.io/ipfs`: a path-only gateway; `/ipfs` is added unless the
 * path ends with it), or when `style` is `path`. A template may use `{cid}`,
 * `{cidv1}` (base32, for subdomains), `{gateway}`, `{scheme}`, `{host}`, `{file}`,
 * `{slug}` and `{filename}`.
 */
export function buildLink (fields: LinkFields, gateway = DEFAULT_GATEWAY, template?: string, style?: GatewayStyle): string {
  const url = gatewayUrl(gateway)
  const ext = fields.file.endsWith('.md') ? '.md' : '.txt'
  const values: Record<string, string> = {
    cid: fields.cid.toString(),
    cidv1: fields.cid.toV1().toString(base32),
    gateway: url.origin,
    scheme: url.protocol.slice(0, -1),
    host: url.host,
    file: fields.file,
    slug: fields.slug,
    filename: encodeURIComponent(fields.slug + ext)
  }
  if (template == null) {
    // an IP address cannot carry subdomains (node:net's isIP would cost a module load at start-up)
    const isIpLiteral = url.hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname)
    const path = url.pathname.replace(/\/+$/, '')
    if (style === 'subdomain' && isIpLiteral) throw new InvalidArgumentError(`\`gatewayStyle\` subdomain: ${url.host} is an IP address, which cannot carry a CID as a subdomain`)
    if (style === 'subdomain' && path !== '') throw new InvalidArgumentError(`\`gatewayStyle\` subdomain: give the gateway without a path (${url.origin}), or use \`gatewayStyle\` path`)
    if (style === 'path' || isIpLiteral || path !== '') {
      // the path form under the gateway's own path: https://ipfs.io/ipfs/<cid>/…
      values.base = url.origin + (path.endsWith('/ipfs') ? path : `${path}/ipfs`)
      template = '{base}/{cid}/{file}?filename={filename}&download=true'
    } else {
      template = '{scheme}://{cidv1}.ipfs.{host}/{file}?filename={filename}&download=true'
    }
  }
  return template.replace(/\{([a-z0-9]+)\}/g, (whole, name: string) => {
    const v = values[name]
    if (v == null) throw new InvalidArgumentError(`\`linkTemplate\` uses unknown placeholder ${whole} (known: ${Object.keys(values).map(k => `{${k}}`).join(' ')})`)
    return v
  })
}

/** The last gateway parsed: a publish builds thousands of links with one gateway. */
let lastGateway: { text: string, url: URL } | undefined

function gatewayUrl (gateway: string): URL {
  if (lastGateway?.text === gateway) return lastGateway.url
  let url: URL
  try {
    url = new URL(gateway)
  } catch {
    throw new InvalidArgumentError(`\`gateway\` "${gateway}" is not a URL (try https://dweb.link)`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError(`\`gateway\` "${gateway}" must be an http or https URL`)
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(`\`gateway\` "${gateway}": give the gateway's origin and path only (no query, fragment or credentials)`)
  }
  lastGateway = { text: gateway, url }
  return url
}

/** The link to a folder's root on a gateway (an edition's front page): `https://<cidv1>.ipfs.<host>/`, or `<gateway>/ipfs/<cid>/` in the path form. */
export function folderLink (cid: CID, gateway = DEFAULT_GATEWAY, style?: GatewayStyle): string {
  const url = gatewayUrl(gateway)
  const isIpLiteral = url.hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname)
  const path = url.pathname.replace(/\/+$/, '')
  if (style === 'path' || isIpLiteral || path !== '') return `${url.origin}${path.endsWith('/ipfs') ? path : `${path}/ipfs`}/${cid}/`
  return `${url.protocol}//${cid.toV1().toString(base32)}.ipfs.${url.host}/`
}
