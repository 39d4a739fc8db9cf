package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is a throw-away certificate authority: every launch makes a fresh one.
type pki struct {
	dir    string
	cert   *x509.Certificate
	key    crypto.Signer
	caFile string
}

// certFiles are the paths of one issued certificate and its key, plus their PEM bytes (for kubeconfigs).
type certFiles struct {
	CertFile, KeyFile string
	CertPEM, KeyPEM   []byte
}

const certValidity = 7 * 24 * time.Hour

func newPKI(dir string) (*pki, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "iscsi-ocfs2-operator local control plane CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	p := &pki{dir: dir, cert: cert, key: key, caFile: filepath.Join(dir, "ca.crt")}
	if err := writePEM(p.caFile, "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := writePEM(filepath.Join(dir, "ca.key"), "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

// issue signs a leaf certificate named name (files name.crt / name.key). Client certificates get an RSA key in
// PKCS#1 form, which every client reads (fabric8 included, without Bouncy Castle); the serving certificate an
// ECDSA one.
func (p *pki) issue(name, commonName string, orgs []string, dnsNames []string, ips []net.IP, server bool) (*certFiles, error) {
	var (
		key     crypto.Signer
		keyPEM  []byte
		keyType string
		keyDER  []byte
		err     error
	)
	if server {
		k, e := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if e != nil {
			return nil, e
		}
		key, keyType = k, "EC PRIVATE KEY"
		keyDER, err = x509.MarshalECPrivateKey(k)
	} else {
		k, e := rsa.GenerateKey(rand.Reader, 2048)
		if e != nil {
			return nil, e
		}
		key, keyType = k, "RSA PRIVATE KEY"
		keyDER = x509.MarshalPKCS1PrivateKey(k)
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: commonName, Organization: orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		DNSNames:     dnsNames,
		IPAddresses:  ips,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, key.Public(), p.key)
	if err != nil {
		return nil, err
	}
	cf := &certFiles{
		CertFile: filepath.Join(p.dir, name+".crt"),
		KeyFile:  filepath.Join(p.dir, name+".key"),
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: keyType, Bytes: keyDER})
	cf.KeyPEM = keyPEM
	if err := os.WriteFile(cf.CertFile, cf.CertPEM, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(cf.KeyFile, cf.KeyPEM, 0o600); err != nil {
		return nil, err
	}
	return cf, nil
}

// serviceAccountKeys writes the key pair that signs (private) and verifies (public) service-account tokens.
func serviceAccountKeys(dir string) (privFile, pubFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	privDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return "", "", err
	}
	privFile, pubFile = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := writePEM(privFile, "EC PRIVATE KEY", privDER, 0o600); err != nil {
		return "", "", err
	}
	if err := writePEM(pubFile, "PUBLIC KEY", pubDER, 0o644); err != nil {
		return "", "", err
	}
	return privFile, pubFile, nil
}

func writePEM(path, blockType string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), mode)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(fmt.Sprintf("serial number: %v", err))
	}
	return n
}
