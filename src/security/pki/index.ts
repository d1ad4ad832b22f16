export { commonNameOf, createCa, issueCertificate, type Credential, type IssueOptions } from "./x509.ts";
